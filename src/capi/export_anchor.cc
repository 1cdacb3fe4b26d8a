// SPDX-License-Identifier: MIT
// libhush.so is hush_core linked whole; this file only gives the target a source.
#include <hush/hush.h>
