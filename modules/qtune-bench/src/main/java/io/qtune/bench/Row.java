package io.qtune.bench;

/**
 * One line of the result table: what qtune measured beside its baseline in the same run.
 *
 * @param section the item (1 QMP, 2 tuning, ...)
 * @param what the measurement
 * @param qtune qtune's figure
 * @param baseline the baseline's figure, named
 * @param ratio qtune / baseline (or the reverse where stated), formatted
 * @param goal the target, in words
 * @param verdict "met", "missed by ..." or "n/a"
 */
public record Row(String section, String what, String qtune, String baseline, String ratio, String goal,
    String verdict) {

  /** A row comparing two samples by their medians; {@code goalRatio} is the highest ratio that meets the goal. */
  public static Row ratio(String section, String what, Sample q, String baselineName, Sample b, double goalRatio) {
    double r = q.median() / b.median();
    String verdict = r <= goalRatio ? "met" : String.format("missed by %.0f%%", (r / goalRatio - 1) * 100);
    return new Row(section, what, q.format(), baselineName + ": " + b.format(), String.format("%.2f×", r),
        String.format("≤ %.1f×", goalRatio), verdict);
  }

  /**
   * A row whose goal is an absolute time ({@code goalMs}, a median), shown beside a floor measured in
   * the same run (the ratio says how much of it is the floor's).
   */
  public static Row absolute(String section, String what, Sample q, String floorName, Sample floor, double goalMs) {
    double ms = q.median() / 1e6;
    String verdict = ms <= goalMs ? "met" : String.format("missed: %.0f ms", ms);
    return new Row(section, what, q.format(), floorName + ": " + floor.format(),
        String.format("%.2f× the floor", q.median() / floor.median()), String.format("≤ %.0f ms", goalMs), verdict);
  }

  /** A row with no goal: informational. */
  public static Row info(String section, String what, String qtune, String baseline, String ratio) {
    return new Row(section, what, qtune, baseline, ratio, "–", "–");
  }
}
