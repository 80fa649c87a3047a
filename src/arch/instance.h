// What a hardware instance costs and draws, as data (hw/instances/<name>.toml -> Instance):
// the accelerator it holds (a chip of hw/<chip>.toml or a GPU of hw/gpu/<gpu>.toml) and how
// many, the power of one device busy and idle, and its price per instance-hour on each basis
// that has a published figure (on-demand, capacity block, reserved / savings plan / multi-year
// rental, an owner's TCO), each with its date and source. Found on the chips' search path in
// <dir>/instances/, loaded as strictly as every hw file (arch/toml_reader.h). docs/COST.md
// lists every price; serve/cost.h turns a serving run into $ per 1M tokens and joules.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arch/chip_search.h"

namespace npulab::arch {

// The bases a price can have, in the order files, tables and docs list them.
enum class PriceBasis { OnDemand, CapacityBlock, Reserved, Tco };
inline constexpr PriceBasis kPriceBases[] = {PriceBasis::OnDemand, PriceBasis::CapacityBlock, PriceBasis::Reserved,
                                             PriceBasis::Tco};
std::string_view basis_table(PriceBasis b);  // "on_demand": the file's table and the CLI's name
std::string_view basis_label(PriceBasis b);  // "on-demand": how tables print it
// "on_demand" or "on-demand" (either spelling) -> the basis; anything else throws naming the bases.
PriceBasis parse_price_basis(std::string_view name);

struct Price {
  PriceBasis basis{};
  double usd_per_hour = 0;  // for the whole instance
  std::string date, source;
};

// One device's power. busy_w while a step runs, idle_w between steps (docs/COST.md, "Energy").
struct DevicePower {
  double busy_w = 0, idle_w = 0;
  std::string busy_source, idle_source;
  bool busy_estimated = false, idle_estimated = false;  // true: not a published figure
};

struct Instance {
  std::string name, description, source_file;
  std::string device;    // the chip or GPU hw name ("trn2", "h100-sxm")
  uint32_t devices = 0;  // how many the instance holds (the price is for all of them)
  std::optional<DevicePower> power;  // absent where nothing is published or estimated
  std::vector<Price> prices;         // in kPriceBases order, only the published ones

  const Price* price(PriceBasis b) const;
};

Instance load_instance(const std::string& path);
Instance load_instance_from_string(std::string_view text, const std::string& source_name);
// By name on `path` (<dir>/instances/<name>.toml) or from a file path.
Instance load_instance_by_name(const std::string& name_or_path, const ChipSearchPath& path);
std::vector<std::string> instance_names(const ChipSearchPath& path);
// Every instance on `path` holding `device` (a chip or GPU name), in name order.
std::vector<Instance> instances_of_device(const std::string& device, const ChipSearchPath& path);

}  // namespace npulab::arch
