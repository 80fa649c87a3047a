// The Weights implementation every loader fills: a name -> view table plus the mapped
// files the views point into.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llm/mapped_file.h"
#include "llm/weights.h"

namespace npulab::llm {

class WeightStore final : public Weights {
 public:
  explicit WeightStore(std::string source) : source_(std::move(source)) {}
  const TensorView* find(const std::string& name) const override;
  std::vector<std::string> names() const override;
  const std::string& source() const override { return source_; }

  // Keeps the mapping alive for the views that point into it.
  const MappedFile& keep(std::shared_ptr<MappedFile> f);
  // Adds a view; throws npulab::Error on a duplicate canonical name.
  void add(TensorView v);

 private:
  std::string source_;
  std::vector<std::shared_ptr<MappedFile>> files_;
  std::map<std::string, TensorView> tensors_;
};

}  // namespace npulab::llm
