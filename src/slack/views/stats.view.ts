/** `/release stats` and the stats section of App Home: DORA's four keys beside the previous period, and approval turnaround. */
import type { Band, Distribution, Trend } from '../../domain/stats';
import { humanDuration } from '../../domain/stats';
import { ROLE_LABELS, STATE_LABELS } from '../../domain/types';
import type { StatsResult } from '../../usecases/stats';
import { esc } from '../format';
import type { Blocks } from './kit';
import { context, fields, header, section } from './kit';

const BAND_LABEL: Record<Band, string> = { elite: ':trophy: Elite', high: ':large_green_circle: High', medium: ':large_yellow_circle: Medium', low: ':red_circle: Low' };

function band(b: Band | null): string {
  return b ? BAND_LABEL[b] : '_no data_';
}

function arrow(t: Trend, show: (v: number | null) => string): string {
  if (t.direction === 'n/a') return t.previous === null ? '_no previous data_' : `previous ${show(t.previous)}`;
  if (t.direction === 'same') return `= same as before (${show(t.previous)})`;
  const sign = t.direction === 'up' ? ':arrow_upper_right:' : ':arrow_lower_right:';
  return `${sign} from ${show(t.previous)} (${t.better ? 'better' : 'worse'})`;
}

const perDay = (v: number | null) => (v === null ? '—' : v >= 1 ? `${v.toFixed(1)}/day` : `${(v * 7).toFixed(1)}/week`);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(0)}%`);
const dist = (d: Distribution) => (d.count === 0 ? '—' : `median ${humanDuration(d.median)} · p90 ${humanDuration(d.p90)} (${d.count})`);

export function periodLabel(r: StatsResult): string {
  const days = Math.round((r.period.until - r.period.since) / 86_400_000);
  return `${r.service ? esc(r.service) : 'all services'} · last ${days} day${days === 1 ? '' : 's'} · ${r.environment}`;
}

/** The figures as blocks (a header only when `withHeader`). */
export function statsBlocks(r: StatsResult, opts: { withHeader: boolean } = { withHeader: true }): Blocks {
  const c = r.dora.current;
  const t = r.dora.trends;
  const b = r.dora.bands;
  const blocks: Blocks = [];
  if (opts.withHeader) blocks.push(header(`Release stats · ${r.service ?? 'all services'}`));
  blocks.push(
    section(`*${periodLabel(r)}* — DORA performance: *${band(b.overall)}*`),
    fields([
      `*Deployment frequency* · ${band(b.deploymentFrequency)}\n${perDay(c.deploysPerDay)} (${c.deployments} deploy${c.deployments === 1 ? '' : 's'})\n${arrow(t.deploysPerDay, perDay)}`,
      `*Lead time for changes* · ${band(b.leadTime)}\nrequest → live: ${dist(c.leadTime)}\n${arrow(t.leadTime, humanDuration)}`,
      `*Change failure rate* · ${band(b.changeFailureRate)}\n${pct(c.changeFailureRate)} (${c.failures} of ${c.attempts})\n${arrow(t.changeFailureRate, pct)}`,
      `*Time to restore* · ${band(b.timeToRestore)}\n${dist(c.timeToRestore)}${c.unrestored ? ` · ${c.unrestored} not restored` : ''}\n${arrow(t.timeToRestore, humanDuration)}`,
      `*Lead time from first commit*\n${c.commitLeadTime.count ? dist(c.commitLeadTime) : '_no commit times reported_'}\n${arrow(t.commitLeadTime, humanDuration)}`,
    ]),
  );
  const tr = r.turnaround;
  if (tr.byRole.length === 0) {
    blocks.push(section('*Approval turnaround*\n_No approvals in this period._'));
  } else {
    const roles = tr.byRole.map((g) => `${g.role === tr.bottleneck ? ':turtle: ' : '• '}${ROLE_LABELS[g.role]}: median ${humanDuration(g.median)} · p90 ${humanDuration(g.p90)} (${g.count})`);
    const stages = tr.byStage.map((g) => `• ${STATE_LABELS[g.stage]}: median ${humanDuration(g.median)} · p90 ${humanDuration(g.p90)} (${g.count})`);
    blocks.push(
      fields([`*Approval turnaround by role*\n${roles.join('\n')}`, `*By stage*\n${stages.join('\n')}`]),
      section(tr.bottleneck ? `:turtle: Bottleneck: *${ROLE_LABELS[tr.bottleneck]}* approvals take the longest from stage opening to decision.` : ' '),
    );
  }
  blocks.push(context(['Bands: DORA _Accelerate State of DevOps 2023_. Periods compare with the one just before. `/release stats [service] [7d|30d|90d]`']));
  return blocks;
}

export function statsMessage(r: StatsResult): { text: string; blocks: Blocks } {
  const c = r.dora.current;
  return {
    text: `Release stats (${periodLabel(r)}): ${c.deployments} deploys, change failure rate ${pct(c.changeFailureRate)}, lead time ${humanDuration(c.leadTime.median)}`,
    blocks: statsBlocks(r),
  };
}
