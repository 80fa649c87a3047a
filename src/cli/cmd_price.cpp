// `npulab price [name] [--json]`: prices and power as data (hw/instances/*.toml,
// docs/COST.md). Without a name: every instance and the bases it has. With an instance
// name: its prices on every basis (date, source) and its devices' power. With a system or
// chip a run uses (`--system` of the serving commands): what that run pays per hour on each
// basis (its share of an instance's devices) and the power it draws.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "arch/instance.h"
#include "cli/command.h"
#include "cli/cost_options.h"
#include "common/error.h"

namespace npulab::cli {
namespace {

using nlohmann::ordered_json;

struct Args {
  std::string name;
  bool json = false;
};

std::string flag(bool estimated) { return estimated ? " (estimate)" : ""; }

ordered_json instance_json(const arch::Instance& in) {
  ordered_json j{{"name", in.name}, {"description", in.description}, {"device", in.device},
                 {"devices", in.devices}, {"source_file", in.source_file}};
  ordered_json prices = ordered_json::array();
  for (const arch::Price& p : in.prices)
    prices.push_back({{"basis", arch::basis_table(p.basis)},
                      {"usd_per_hour", p.usd_per_hour},
                      {"usd_per_device_hour", p.usd_per_hour / in.devices},
                      {"date", p.date},
                      {"source", p.source}});
  j["prices"] = prices;
  if (in.power) {
    const arch::DevicePower& w = *in.power;
    j["power"] = {{"busy_w", w.busy_w},           {"busy_estimated", w.busy_estimated}, {"busy_source", w.busy_source},
                  {"idle_w", w.idle_w},           {"idle_estimated", w.idle_estimated}, {"idle_source", w.idle_source}};
  } else {
    j["power"] = nullptr;
  }
  return j;
}

void print_instance(const arch::Instance& in) {
  fmt::print("{} - {}\n  from {}\n", in.name, in.description, in.source_file);
  fmt::print("  {:<15} {:>10} {:>16}  {}\n", "basis", "$/hour", fmt::format("$/{}-hour", in.device), "date; source");
  for (arch::PriceBasis b : arch::kPriceBases) {
    const arch::Price* p = in.price(b);
    if (!p) {
      fmt::print("  {:<15} {:>10} {:>16}  no published price in the sources\n", arch::basis_label(b), "-", "-");
      continue;
    }
    fmt::print("  {:<15} {:>10.2f} {:>16.3f}  {}; {}\n", arch::basis_label(b), p->usd_per_hour,
               p->usd_per_hour / in.devices, p->date, p->source);
  }
  if (!in.power) {
    fmt::print("  power: not published (no energy figures)\n\n");
    return;
  }
  const arch::DevicePower& w = *in.power;
  fmt::print("  power per {}: {} W busy{} - {}\n", in.device, w.busy_w, flag(w.busy_estimated), w.busy_source);
  fmt::print("  {:>{}}  {} W idle{} - {}\n\n", "", in.device.size() + 10, w.idle_w, flag(w.idle_estimated),
             w.idle_source);
}

int list(bool json) {
  const arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  ordered_json j = ordered_json::array();
  if (!json) fmt::print("Instances with prices and power (`npulab price <name>`; docs/COST.md):\n");
  for (const std::string& n : arch::instance_names(path)) {
    const arch::Instance in = arch::load_instance_by_name(n, path);
    if (json) {
      j.push_back(instance_json(in));
      continue;
    }
    std::string bases;
    for (const arch::Price& p : in.prices) bases += (bases.empty() ? "" : ", ") + std::string(arch::basis_label(p.basis));
    fmt::print("  {:<18} {:>3} x {:<9} {}{}\n", in.name, in.devices, in.device, bases.empty() ? "no price" : bases,
               in.power ? "" : "; no power data");
  }
  if (json) fmt::print("{}\n", j.dump(2));
  return 0;
}

// What a run on `system` pays on every basis and draws.
int run_price(const std::string& system, bool json) {
  const arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  const RunDevices d = run_devices(system, path);
  ordered_json j{{"system", system}, {"device", d.device}, {"devices", d.count}};
  ordered_json prices = ordered_json::array();
  std::optional<serve::RunPower> power;
  bool priced_power = false;  // the power of an instance that has a price, preferred
  if (!json) fmt::print("A run on {} uses {} x {}:\n", system, d.count, d.device);
  for (arch::PriceBasis b : arch::kPriceBases) {
    CostOptions o;
    o.basis = std::string(arch::basis_table(b));
    const serve::RunCostData c = resolve_run_cost(d, o, path);
    if (c.power && (!power || (c.price && !priced_power))) {
      power = c.power;
      priced_power = c.price.has_value();
    }
    if (json) {
      prices.push_back(c.price ? ordered_json{{"basis", o.basis}, {"usd_per_hour", c.price->usd_per_hour},
                                              {"source", c.price->label}}
                               : ordered_json{{"basis", o.basis}, {"usd_per_hour", nullptr}, {"source", c.why_no_price}});
      continue;
    }
    if (c.price)
      fmt::print("  {:<15} {:>12}  {}\n", arch::basis_label(b), fmt::format("${:.3f}/h", c.price->usd_per_hour),
                 c.price->label);
    else
      fmt::print("  {:<15} {:>12}  {}\n", arch::basis_label(b), "-", c.why_no_price);
  }
  if (json) {
    j["prices"] = prices;
    j["power"] = power ? ordered_json{{"busy_w", power->busy_w}, {"idle_w", power->idle_w},
                                      {"estimated", power->estimated}, {"source", power->label}}
                       : ordered_json(nullptr);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("  power: {}\n", power ? power->label : "not published (no energy figures)");
  return 0;
}

int run(const Args& a) {
  if (a.name.empty()) return list(a.json);
  const arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  // An instance by name or a file of the user's (hw/instances format).
  const bool file = a.name.size() > 5 && a.name.ends_with(".toml");
  if (file || !arch::find_hw_file(a.name, path, "instances").empty()) {
    const arch::Instance in = arch::load_instance_by_name(a.name, path);
    if (a.json) fmt::print("{}\n", instance_json(in).dump(2));
    else print_instance(in);
    return 0;
  }
  return run_price(a.name, a.json);
}

Run setup(CLI::App& app) {
  auto a = std::make_shared<Args>();
  app.add_option("name", a->name, "an instance (hw/instances/) or a file of its format, or a system or chip a run uses");
  app.add_flag("--json", a->json, "machine-readable");
  return [a] { return run(*a); };
}

Registrar reg{"price", "Prices per hour (each with its basis, date and source) and power of instances and runs", setup};

}  // namespace
}  // namespace npulab::cli
