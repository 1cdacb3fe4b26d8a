// SPDX-License-Identifier: MIT
#include "backends/file/sound_file.h"

#include <fcntl.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace hush {

namespace {

std::runtime_error FileError(const std::string& what, const std::string& path, const std::string& why) {
  return std::runtime_error(what + " '" + path + "': " + why);
}

}  // namespace

std::string MajorFormatName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name != nullptr) return info.name;
  return "unknown";
}

std::string SubtypeName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format & SF_FORMAT_SUBMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name != nullptr) return info.name;
  return "unknown";
}

SoundFileReader::SoundFileReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw FileError("cannot open", path, "no such file");
  if (std::filesystem::is_directory(path, ec)) throw FileError("cannot open", path, "is a directory");
  SF_INFO info{};
  file_ = sf_open(path.c_str(), SFM_READ, &info);
  if (file_ == nullptr) throw FileError("cannot open", path, sf_strerror(nullptr));
  if (info.channels < 1 || info.samplerate < 1 || info.frames < 0) {
    sf_close(file_);
    throw FileError("cannot read", path, "the header gives no channels, no rate or a negative length");
  }
  format_ = SoundFormat{info.samplerate, info.channels, info.frames, info.format};
}

SoundFileReader::~SoundFileReader() {
  if (file_ != nullptr) sf_close(file_);
}

size_t SoundFileReader::ReadPlanar(std::vector<std::vector<float>>& planar, size_t max_frames) {
  const size_t channels = static_cast<size_t>(format_.channels);
  if (planar.size() < channels) throw std::invalid_argument("ReadPlanar: too few channel buffers");
  for (size_t c = 0; c < channels; ++c) {
    if (planar[c].size() < max_frames) throw std::invalid_argument("ReadPlanar: channel buffer too short");
  }
  interleaved_.resize(max_frames * channels);
  const sf_count_t got = sf_readf_float(file_, interleaved_.data(), static_cast<sf_count_t>(max_frames));
  if (got < 0 || (got == 0 && sf_error(file_) != SF_ERR_NO_ERROR)) {
    throw FileError("cannot read", path_, sf_strerror(file_));
  }
  const size_t frames = static_cast<size_t>(got);
  for (size_t i = 0; i < frames; ++i) {
    for (size_t c = 0; c < channels; ++c) planar[c][i] = interleaved_[i * channels + c];
  }
  return frames;
}

SoundFileWriter::SoundFileWriter(const std::string& path, const SoundFormat& format) : path_(path), format_(format) {
  SF_INFO info{};
  info.samplerate = format.sample_rate_hz;
  info.channels = format.channels;
  info.format = format.format;
  if (!sf_format_check(&info)) {
    throw FileError("cannot write", path, MajorFormatName(format.format) + " cannot hold " +
                                              SubtypeName(format.format) + " at " +
                                              std::to_string(format.sample_rate_hz) + " Hz with " +
                                              std::to_string(format.channels) + " channels");
  }
  file_ = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file_ == nullptr) throw FileError("cannot create", path, sf_strerror(nullptr));
  const int subtype = format.format & SF_FORMAT_SUBMASK;
  integer_format_ = subtype != SF_FORMAT_FLOAT && subtype != SF_FORMAT_DOUBLE && subtype != SF_FORMAT_VORBIS &&
                    subtype != SF_FORMAT_OPUS;
  // Integer formats: clip instead of wrapping around.
  sf_command(file_, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  // Float input in [-1, 1] maps to full scale (libsndfile's default, stated for clarity).
  sf_command(file_, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
}

SoundFileWriter::~SoundFileWriter() {
  if (file_ != nullptr) sf_close(file_);
}

void SoundFileWriter::WritePlanar(const std::vector<std::vector<float>>& planar, size_t frames) {
  const size_t channels = static_cast<size_t>(format_.channels);
  interleaved_.resize(frames * channels);
  for (size_t i = 0; i < frames; ++i) {
    for (size_t c = 0; c < channels; ++c) {
      float v = planar[c][i];
      if (integer_format_ && (v > 1.0f || v < -1.0f)) {
        ++clipped_;
        v = std::clamp(v, -1.0f, 1.0f);
      }
      interleaved_[i * channels + c] = v;
    }
  }
  const sf_count_t wrote = sf_writef_float(file_, interleaved_.data(), static_cast<sf_count_t>(frames));
  if (wrote != static_cast<sf_count_t>(frames)) throw FileError("cannot write", path_, sf_strerror(file_));
}

void SoundFileWriter::Close() {
  if (file_ == nullptr) return;
  sf_write_sync(file_);
  const int result = sf_close(file_);
  file_ = nullptr;
  if (result != 0) throw FileError("cannot finish", path_, sf_error_number(result));
}

AtomicOutputFile::AtomicOutputFile(const std::string& target_path) : target_path_(target_path) {
  namespace fs = std::filesystem;
  const fs::path target(target_path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw FileError("cannot write", target_path, "directory '" + dir.string() + "' does not exist");
  if (fs::is_directory(target, ec)) throw FileError("cannot write", target_path, "is a directory");
  // mkstemp in the target's directory: same file system, so rename() is atomic.
  std::string pattern = (dir / ("." + target.filename().string() + ".hush-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  const int fd = mkstemp(buffer.data());
  if (fd < 0) throw FileError("cannot write", target_path, std::strerror(errno));
  close(fd);
  temporary_path_ = buffer.data();
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!committed_) std::remove(temporary_path_.c_str());
}

void AtomicOutputFile::Commit() {
  const int fd = open(temporary_path_.c_str(), O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  // Keep the permissions of a file being replaced; a new file gets the usual 0666 & ~umask.
  struct stat st {};
  if (stat(target_path_.c_str(), &st) == 0) {
    chmod(temporary_path_.c_str(), st.st_mode & 07777);
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    chmod(temporary_path_.c_str(), 0666 & ~mask);
  }
  if (std::rename(temporary_path_.c_str(), target_path_.c_str()) != 0) {
    throw FileError("cannot write", target_path_, std::strerror(errno));
  }
  committed_ = true;
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (stat(a.c_str(), &sa) != 0 || stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int MajorFormatForExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (ext == ".wav") return SF_FORMAT_WAV;
  if (ext == ".flac") return SF_FORMAT_FLAC;
  if (ext == ".ogg" || ext == ".oga") return SF_FORMAT_OGG;
  if (ext == ".aif" || ext == ".aiff") return SF_FORMAT_AIFF;
  if (ext == ".w64") return SF_FORMAT_W64;
  if (ext == ".caf") return SF_FORMAT_CAF;
  if (ext == ".rf64") return SF_FORMAT_RF64;
  if (ext == ".au" || ext == ".snd") return SF_FORMAT_AU;
  return 0;
}

}  // namespace hush
