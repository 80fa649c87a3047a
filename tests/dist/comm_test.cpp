// The byte encoding between ranks and the single-process communicator: values, strings and
// vectors come back as written, a short message is an error (never a read past the end),
// and one process's collectives hand back its own bytes.
#include <gtest/gtest.h>

#include <memory>

#include "common/error.h"
#include "dist/bytes.h"
#include "dist/comm.h"

namespace npulab::dist {


namespace {

TEST(Bytes, RoundTripAndShortMessages) {
  ByteWriter w;
  w.put(int64_t(-7));
  w.put(2.5);
  w.put(std::string("trn2"));
  w.put(std::vector<uint32_t>{1, 2, 3});
  w.put(std::vector<float>{});
  const Bytes b = w.take();
  ByteReader r(b);
  EXPECT_EQ(r.get<int64_t>(), -7);
  EXPECT_EQ(r.get<double>(), 2.5);
  EXPECT_EQ(r.get_string(), "trn2");
  EXPECT_EQ(r.get_vector<uint32_t>(), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_TRUE(r.get_vector<float>().empty());
  EXPECT_TRUE(r.done());
  EXPECT_THROW(r.get<uint8_t>(), Error);

  // A vector whose length says more than the message holds.
  ByteWriter lie;
  lie.put(uint64_t(1) << 40);
  const Bytes l = lie.take();
  ByteReader lr(l);
  EXPECT_THROW(lr.get_vector<uint64_t>(), Error);
}

TEST(SingleComm, CollectivesReturnThisRanksBytes) {
  auto c = make_single_comm();
  EXPECT_EQ(c->rank(), 0);
  EXPECT_EQ(c->size(), 1);
  EXPECT_TRUE(c->root());
  const Bytes mine{1, 2, 3};
  EXPECT_EQ(c->all_gather(mine), std::vector<Bytes>{mine});
  EXPECT_EQ(c->gather(mine, 0), std::vector<Bytes>{mine});
  EXPECT_EQ(c->all_to_all({mine}), std::vector<Bytes>{mine});
  EXPECT_THROW(c->all_to_all({mine, mine}), Error);
  EXPECT_EQ(all_max(*c, 3.5), 3.5);
  EXPECT_EQ(all_sum(*c, 9), 9u);
}

}  // namespace
}  // namespace npulab::dist
