package io.qtune.metrics;

/**
 * Every metric family read at scrape time. A counter's exposed name is its base name plus
 * {@code _total}, as the client writes it. docs/metrics.md lists them with their sources.
 */
enum Family {
  VMS("qtune_vms", false, false, "VMs this qtune holds a QMP connection to"),
  THREADS("qtune_vm_threads", false, false,
      "Threads of a VM per role now (emulator: QEMU's main loop and workers, which come and go)"),
  THREAD_CPU("qtune_thread_cpu_seconds", true, true,
      "Time on CPU of the role's threads (/proc/<pid>/task/<tid>/schedstat field 1); emulator: the threads alive now"),
  THREAD_WAIT("qtune_thread_runqueue_wait_seconds", true, true,
      "Time the role's threads were runnable but waiting for a CPU (schedstat field 2)"),
  THREAD_TIMESLICES("qtune_thread_timeslices", true, false,
      "Timeslices the role's threads ran (schedstat field 3)"),
  THREAD_VOLUNTARY("qtune_thread_voluntary_context_switches", true, false,
      "Voluntary context switches of the role's threads (/proc/<pid>/task/<tid>/status)"),
  THREAD_INVOLUNTARY("qtune_thread_involuntary_context_switches", true, false,
      "Involuntary context switches (preemptions) of the role's threads (status nonvoluntary_ctxt_switches)"),
  THREAD_LAST_CPU("qtune_thread_last_cpu", false, false,
      "Host CPU the thread last ran on (/proc/<pid>/task/<tid>/stat field 39); emulator: QEMU's main thread"),
  GROUP_USAGE("qtune_cgroup_cpu_usage_seconds", true, true,
      "CPU time of the group's tasks, exited ones included (cpuacct.usage on v1, cpu.stat usage_usec on v2)"),
  GROUP_PERIODS("qtune_cgroup_cfs_periods", true, false,
      "CFS bandwidth periods that have elapsed for the group (cpu.stat nr_periods)"),
  GROUP_THROTTLED("qtune_cgroup_cfs_throttled_periods", true, false,
      "CFS bandwidth periods in which the group was throttled (cpu.stat nr_throttled)"),
  GROUP_THROTTLED_TIME("qtune_cgroup_cfs_throttled_seconds", true, true,
      "Time the group was throttled (cpu.stat throttled_time ns on v1, throttled_usec on v2)"),
  QMP_RTT("qtune_qmp_roundtrip_seconds", false, true,
      "Round trip of a query-status on the VM's QMP connection, measured at this scrape"),
  DRIFTS("qtune_vm_drifts", false, false,
      "Differences between the VM's tuning in force and the kernel, from a drift check run at this scrape"),
  SCRAPE_PHASE("qtune_scrape_phase_seconds", false, true,
      "Time this scrape spent per phase: kernel reads, then waiting for the QMP round trips and then"
          + " for the drift checks, both started before the kernel reads");

  final String base;
  final boolean counter;
  final boolean seconds;
  final String help;

  Family(String base, boolean counter, boolean seconds, String help) {
    this.base = base;
    this.counter = counter;
    this.seconds = seconds;
    this.help = help;
  }
}
