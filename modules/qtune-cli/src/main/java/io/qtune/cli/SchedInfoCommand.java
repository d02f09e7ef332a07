package io.qtune.cli;

import io.qtune.core.SchedInfo;
import io.qtune.core.SchedParams;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** virsh schedinfo [--set KEY=VALUE ...] --live. */
@Command(name = "schedinfo", description = {"Show or set CPU shares/weight and CFS period/quota.",
    "Keys: cpu_shares (cgroup v1) or cpu_weight (v2); vcpu_, emulator_, global_, iothread_ with "
        + "_period (1000..1000000 us) or _quota (1000..17592186044415 us, -1 = unlimited).",
    "All values are checked before the first write; they are written in the order given."})
final class SchedInfoCommand extends VerbCommand {
  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "a parameter to set (repeatable)")
  List<String> set = new ArrayList<>();

  @Override
  void execute() {
    SchedInfo info;
    if (set.isEmpty()) {
      info = await(vm().scheduler().get());
    } else {
      // every KEY=VALUE is parsed before the VM is opened: a typo changes nothing
      SchedParams params = new SchedParams();
      List<String> problems = new ArrayList<>();
      for (String kv : set) {
        try {
          params.parse(kv);
        } catch (io.qtune.core.InvalidInputException e) {
          problems.addAll(e.problems());
        }
      }
      if (!problems.isEmpty()) {
        throw new io.qtune.core.InvalidInputException(problems);
      }
      await(vm().scheduler().set(params));
      info = await(vm().scheduler().get()); // as virsh: the values after the change, read back
    }
    SchedInfo shown = info;
    printer().result(() -> VirshText.schedInfo(shown), () -> JsonViews.schedInfo(shown));
  }
}
