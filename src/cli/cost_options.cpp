#include "cli/cost_options.h"

#include <fmt/format.h>

#include "arch/instance.h"
#include "deploy/system_kind.h"
#include "cli/ranges.h"
#include "common/error.h"

namespace npulab::cli {

void add_cost_options(CLI::App& app, CostOptions& o) {
  app.add_option("--price-basis", o.basis, "price basis: on_demand, capacity_block, reserved or tco (docs/COST.md)")
      ->capture_default_str();
  app.add_option("--price-per-hour", o.price_per_hour, "your price in USD per hour for the devices the run uses")
      ->check(real_range(0.0001, 1e7));
  app.add_option("--price-file", o.price_file, "an instance file of your prices and power (hw/instances format)");
}

RunDevices run_devices(const std::string& system, const arch::ChipSearchPath& path) {
  const deploy::SystemKind* k = deploy::find_system_kind(system, path);
  if (!k) {
    std::string known;
    for (const deploy::SystemKind& s : deploy::system_kinds())
      known += fmt::format("; {}: {}", s.what, fmt::join(s.names(path), ", "));
    fail("'{}' is no instance (hw/instances/: {}), nor a system a run uses{} (searched {})", system,
         fmt::join(arch::instance_names(path), ", "), known, path.describe());
  }
  const deploy::Occupied o = k->occupies(system, path);
  return {o.device, o.devices};
}

serve::RunCostData resolve_run_cost(const RunDevices& d, const CostOptions& o, const arch::ChipSearchPath& path) {
  const arch::PriceBasis basis = arch::parse_price_basis(o.basis);
  serve::RunCostData out;
  if (!o.price_file.empty()) {
    const arch::Instance in = arch::load_instance(o.price_file);
    if (in.device != d.device)
      fail("{}: instance.device: the run uses {} but the file prices {}", o.price_file, d.device, in.device);
    out.price = serve::instance_price(in, basis, d.count);
    if (!out.price) out.why_no_price = fmt::format("{}: no [{}] table", o.price_file, arch::basis_table(basis));
    out.power = serve::instance_power(in, d.count);
  } else {
    out = serve::find_run_cost(d.device, d.count, basis, path);
  }
  if (o.price_per_hour > 0) {
    out.price = serve::user_price(o.price_per_hour, d.count);
    out.why_no_price.clear();
  }
  return out;
}

}  // namespace npulab::cli
