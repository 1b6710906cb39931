// config/identity.cpp — the machine's persistent agent id (REFERENCE-SPEC §1.5).
//
// Departures from the reference, both on purpose: an unreadable, empty or garbled agent-id file
// is an error instead of a reason to mint a new identity (peers would see a new host and lose
// its history), and concurrent first starts settle on one id instead of the last writer's.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include "config/config.hpp"
#include "util/atomic_file.hpp"
#include "util/uuid.hpp"

namespace ra::config {
namespace {

constexpr size_t max_id_file_bytes = 4096;

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Creates `dir` and missing parents with mode 0700 (std::filesystem would use 0777 & ~umask).
// The data directory holds the identity, the mode file and backups: nobody else's business.
status make_private_dirs(const std::filesystem::path &dir) {
  std::filesystem::path partial;
  for (const auto &part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
      return internal_error("cannot create " + partial.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return internal_error("cannot create " + dir.string() + ": not a directory");
  return status::ok();
}

result<std::string> read_id(const std::filesystem::path &file) {
  auto text = read_file(file, max_id_file_bytes);
  if (!text) return text.error();
  std::string id = trim(*text);
  if (id.empty())
    return failed_precondition(file.string() +
                               ": agent-id file is empty; restore it, or delete it "
                               "to give this machine a new identity");
  if (!looks_like_uuid(id))
    return failed_precondition(file.string() +
                               ": agent-id file does not hold a UUID; restore it, "
                               "or delete it to give this machine a new identity");
  return id;
}

void sync_dir(const std::filesystem::path &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

result<std::string> load_or_create_agent_id(const std::filesystem::path &data_dir) {
  const std::filesystem::path file = data_dir / "agent-id";
  auto existing = read_id(file);
  if (existing || existing.error().code() != RA_NOT_FOUND) return existing;

  if (status s = make_private_dirs(data_dir); !s) return s;
  // Write the new id completely (fsynced) under a private name, then link() it into place:
  // unlike rename, link refuses to replace an existing file, so when two processes start at once
  // exactly one id wins and the loser adopts it.
  const std::string id = uuid_v4();
  const std::filesystem::path staged = data_dir / (".agent-id.new." + std::to_string(::getpid()) + "." + uuid_v4());
  if (status s = write_file_atomic(staged, id, 0600); !s) return s;
  int rc = ::link(staged.c_str(), file.c_str());
  int link_errno = errno;
  ::unlink(staged.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) return read_id(file);
    return internal_error("cannot create " + file.string() + ": " + std::strerror(link_errno));
  }
  sync_dir(data_dir);
  return id;
}

result<std::string> effective_agent_id(const config &cfg, const std::filesystem::path &data_dir) {
  if (cfg.id && cfg.id->find_first_not_of(" \t\r\n") != std::string::npos) return *cfg.id;
  return load_or_create_agent_id(data_dir);
}

}  // namespace ra::config
