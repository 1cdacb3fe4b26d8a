// SPDX-License-Identifier: MIT
// Audio files through libsndfile: a streaming reader, a writer, and an output that only
// replaces its target when everything was written (temporary file + fsync + rename).
// Not real time: these block on I/O. Errors are std::runtime_error with a message a
// user can act on ("cannot open 'x.wav': File contains data in an unknown format.").
#ifndef HUSH_BACKENDS_FILE_SOUND_FILE_H
#define HUSH_BACKENDS_FILE_SOUND_FILE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

typedef struct sf_private_tag SNDFILE;

namespace hush {

struct SoundFormat {
  int sample_rate_hz = 0;
  int channels = 0;
  int64_t frames = 0;  // 0 for a writer
  int format = 0;      // libsndfile's major | subtype
};

// Human-readable names, e.g. "WAV" and "16-bit PCM".
std::string MajorFormatName(int format);
std::string SubtypeName(int format);

class SoundFileReader {
 public:
  explicit SoundFileReader(const std::string& path);  // throws std::runtime_error
  ~SoundFileReader();
  SoundFileReader(const SoundFileReader&) = delete;
  SoundFileReader& operator=(const SoundFileReader&) = delete;

  const SoundFormat& Format() const { return format_; }
  // Reads up to max_frames into planar[c][0..); returns frames read (0 at the end).
  // planar must have Format().channels vectors of at least max_frames samples.
  // Throws std::runtime_error on a read error (a truncated or corrupt file).
  size_t ReadPlanar(std::vector<std::vector<float>>& planar, size_t max_frames);

 private:
  std::string path_;
  SNDFILE* file_ = nullptr;
  SoundFormat format_;
  std::vector<float> interleaved_;
};

class SoundFileWriter {
 public:
  // Throws std::runtime_error when the format is invalid or the file cannot be created.
  SoundFileWriter(const std::string& path, const SoundFormat& format);
  ~SoundFileWriter();
  SoundFileWriter(const SoundFileWriter&) = delete;
  SoundFileWriter& operator=(const SoundFileWriter&) = delete;

  // Writes `frames` frames from planar[c]; samples beyond [-1, 1] are clipped for
  // integer formats and counted. Throws std::runtime_error on a write error.
  void WritePlanar(const std::vector<std::vector<float>>& planar, size_t frames);
  uint64_t ClippedSamples() const { return clipped_; }
  // Flushes and closes; throws if that fails. The destructor closes silently.
  void Close();

 private:
  std::string path_;
  SNDFILE* file_ = nullptr;
  SoundFormat format_;
  bool integer_format_ = false;
  uint64_t clipped_ = 0;
  std::vector<float> interleaved_;
};

// Writes to a temporary file beside `target_path`; Commit() fsyncs and renames it over
// the target. If Commit() is never reached (an exception, a failure) the temporary file
// is removed and an existing target is left exactly as it was.
class AtomicOutputFile {
 public:
  explicit AtomicOutputFile(const std::string& target_path);  // throws if the dir is unusable
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  const std::string& TemporaryPath() const { return temporary_path_; }
  void Commit();  // throws std::runtime_error

 private:
  std::string target_path_;
  std::string temporary_path_;
  bool committed_ = false;
};

// True when both paths name the same existing file (same device and inode: catches
// symlinks, hard links and "./a.wav" vs "a.wav").
bool SameFile(const std::string& a, const std::string& b);

// The libsndfile format for a file name's extension (".wav" -> SF_FORMAT_WAV), 0 if
// unknown.
int MajorFormatForExtension(const std::string& path);

}  // namespace hush

#endif  // HUSH_BACKENDS_FILE_SOUND_FILE_H
