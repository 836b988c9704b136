// Secrets on disk: the registration file and the SQLite database (with its -wal and -shm
// files) are mode 0600 whatever the umask, also when they existed before as 0644.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "private_file.h"
#include "store.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

std::string temp_dir() {
  char path[] = "/tmp/glue-private-XXXXXX";
  if (mkdtemp(path) == nullptr) fail_msg("mkdtemp");
  return path;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) fail_msg("no file %s", path.c_str());
  return st.st_mode & 07777;
}

void expect_mode(const std::string& path, unsigned mode) {
  if (mode_of(path) != mode) fail_msg("%s is %03o, not %03o", path.c_str(), mode_of(path), mode);
}

void touch(const std::string& path, unsigned mode) {
  const int fd = open(path.c_str(), O_CREAT | O_WRONLY, mode);
  assert_true(fd >= 0);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

void test_registration_file(void**) {
  const mode_t old = umask(022);
  const std::string dir = temp_dir();
  const std::string path = dir + "/registration.yaml";
  std::string error;
  assert_true(glue::write_private_file(path, "as_token: 'secret'\n", &error));
  expect_mode(path, 0600);
  touch(path, 0644);
  assert_true(glue::write_private_file(path, "as_token: 'other'\n", &error));
  expect_mode(path, 0600);
  assert_false(glue::write_private_file(dir + "/missing/registration.yaml", "x", &error));
  assert_true(error.find("missing") != std::string::npos);
  unlink(path.c_str());
  rmdir(dir.c_str());
  umask(old);
}

void test_database(void**) {
  const mode_t old = umask(022);
  const std::string dir = temp_dir();
  const std::string path = dir + "/glue.sqlite";
  {
    glue::Store store;
    std::string error;
    if (!store.open(path, &error)) fail_msg("%s", error.c_str());
    assert_true(store.put_state("k", "v"));
    for (const char* suffix : {"", "-wal", "-shm"}) expect_mode(path + suffix, 0600);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
  // A database an older version created world-readable.
  const std::string older = dir + "/older.sqlite";
  touch(older, 0644);
  {
    glue::Store store;
    std::string error;
    if (!store.open(older, &error)) fail_msg("%s", error.c_str());
    assert_true(store.put_state("k", "v"));
    for (const char* suffix : {"", "-wal", "-shm"}) expect_mode(older + suffix, 0600);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((older + suffix).c_str());
  rmdir(dir.c_str());
  umask(old);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_registration_file),
      cmocka_unit_test(test_database),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
