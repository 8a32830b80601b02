/** What the charts panel is sent for one metrics line (no vscode, so it is unit-tested). */
import type { MetricsRecord } from '../../protocol/runFolder/format';
import type { ChartRecord } from '../../protocol/runsPanel';

/** A metrics line reduced to what the charts draw: step, loss, accuracy, learning rate, attention statistics. */
export function chartRecord(r: MetricsRecord): ChartRecord {
  const out: ChartRecord = { step: r.step, loss: r.loss };
  if (typeof r.accuracy === 'number') out.accuracy = r.accuracy;
  if (typeof r.learningRate === 'number') out.learningRate = r.learningRate;
  if (Array.isArray(r.attention)) {
    out.attention = r.attention
      .filter((a) => typeof a?.entropy === 'number' && typeof a?.firstShare === 'number')
      .map((a) => ({ kind: String(a.kind), layer: a.layer, head: a.head, entropy: a.entropy, firstShare: a.firstShare }));
  }
  return out;
}
