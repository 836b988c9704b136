// Focus user IDs: the base32 form, the historic base64 form, and what is not a focus ID.
#include <string>
#include <vector>

#include "focus_id.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

using glue::make_focus_user_id;
using glue::make_legacy_focus_user_id;
using glue::parse_focus_user_id;

void expect_room(const std::string& user_id, const char* room) {
  std::optional<std::string> got = parse_focus_user_id(user_id, "fs_", "example.org");
  if (!got) fail_msg("%s: not a focus ID", user_id.c_str());
  assert_string_equal(got->c_str(), room);
}

void expect_none(const std::string& user_id) {
  if (parse_focus_user_id(user_id, "fs_", "example.org")) {
    fail_msg("%s: taken for a focus ID", user_id.c_str());
  }
}

void test_known_values(void**) {
  // RFC 4648 base32 of the room ID, lowercase, unpadded.
  assert_string_equal(make_focus_user_id("!GroupRoom:example.org", "fs_", "example.org").c_str(),
                      "@fs_efdxe33vobjg633nhjsxqylnobwgkltpojtq:example.org");
  assert_string_equal(make_focus_user_id("!a:b", "conf-", "hs.test").c_str(),
                      "@conf-efqtuyq:hs.test");
  assert_string_equal(
      make_legacy_focus_user_id("!cURbafjkfsMDVwdRDQ:matrix.org", "fs_", "matrix.org").c_str(),
      "@fs_IWNVUmJhZmprZnNNRFZ3ZFJEUTptYXRyaXgub3Jn:matrix.org");
}

void test_round_trip(void**) {
  const std::vector<std::string> rooms = {
      "!a:b",
      "!ab:x.org",
      "!abc:x.org",
      "!ABC:x.org",
      "!cURbafjkfsMDVwdRDQ:matrix.org",
      "!GroupRoom:example.org",
      "!grouproom:example.org",
      "!x-y_z.~:[::1]:8448",
      "!OGEhHVWSdvArJzumhm:matrix.org",
      "!" + std::string(200, 'Q') + ":example.org",
      "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM",  // room version 12: no server part
  };
  std::vector<std::string> ids;
  for (const std::string& room : rooms) {
    for (bool legacy : {false, true}) {
      const std::string id = legacy ? make_legacy_focus_user_id(room, "fs_", "example.org")
                                    : make_focus_user_id(room, "fs_", "example.org");
      expect_room(id, room.c_str());
      if (!legacy) {
        for (char c : id) {
          if (c >= 'A' && c <= 'Z') fail_msg("%s: uppercase in a user ID", id.c_str());
        }
      }
      ids.push_back(id);
    }
  }
  // Rooms that differ only in case get different focus users.
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = i + 1; j < ids.size(); ++j) assert_true(ids[i] != ids[j]);
  }
}

void test_legacy_alphabet(void**) {
  // The historic IDs hold uppercase letters, '+' and '/'.
  expect_room("@fs_IT8/Pj46eC5vcmc:example.org", "!?\?>>:x.org");
  expect_room("@fs_IWF+fmI6eC5vcmc:example.org", "!a~~b:x.org");
  expect_room("@fs_IWNVUmJhZmprZnNNRFZ3ZFJEUTptYXRyaXgub3Jn:example.org",
              "!cURbafjkfsMDVwdRDQ:matrix.org");
}

void test_garbage(void**) {
  const std::string good = "@fs_efqweotyfzxxezy:example.org";  // !ab:x.org
  expect_room(good, "!ab:x.org");
  expect_none("@fs_efqweotyfzxxezy:example.com");    // other server
  expect_none("@fs_efqweotyfzxxezy:example.org.x");  // other server
  expect_none("@xx_efqweotyfzxxezy:example.org");    // other prefix
  expect_none("fs_efqweotyfzxxezy:example.org");     // no '@'
  expect_none("@fs_:example.org");                   // nothing encoded
  expect_none("@fs_efqweotyfzxxezy");                // no server
  expect_none("@fs_efqweo$yfzxxezy:example.org");    // outside both alphabets
  expect_none("@fs_efqweotyfzxxez:example.org");     // impossible base32 length
  expect_none("@fs_efqweotyfzxxezz:example.org");    // non-zero trailing bits
  expect_none("@fs_IWFiL2NkOngub3Jn=:example.org");  // padding
  expect_none("@fs_nbswy3dp:example.org");           // "hello": not a room ID
  expect_none("@fs_IWE:example.org");                // "!a": no server part
  expect_none("@alice:example.org");
  expect_none(make_focus_user_id("!a b:x.org", "fs_", "example.org"));  // space
  expect_none(make_focus_user_id("#alias:x.org", "fs_", "example.org"));
  expect_none(make_focus_user_id("!:x.org", "fs_", "example.org"));
  expect_none(make_focus_user_id("!abc:", "fs_", "example.org"));
  expect_none(make_focus_user_id("!abc:ex/ample", "fs_", "example.org"));
  expect_none(make_focus_user_id("!tooshortforv12", "fs_", "example.org"));
  expect_none(make_focus_user_id("!" + std::string(300, 'a') + ":x.org", "fs_", "example.org"));
  expect_none(make_focus_user_id(std::string("!a\0b:x.org", 10), "fs_", "example.org"));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_values),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_legacy_alphabet),
      cmocka_unit_test(test_garbage),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
