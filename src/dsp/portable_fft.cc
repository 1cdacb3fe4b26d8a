// SPDX-License-Identifier: MIT
// (filled in by the portable DSP commit)
