import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * The metric names a PromQL expression reads. Enough of PromQL for our rules and dashboard: string
 * literals, label matchers, range and subquery brackets, `by (...)`-style label lists, Grafana
 * variables and numbers are removed; what remains is function names (followed by `(`), keywords and
 * metric names. Histogram series (`_bucket`, `_count`, `_sum`) are returned as written.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b\d[\w.]*/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match as unknown as [string, string, string | undefined];
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'atan2']);

/** The family a series belongs to: `x_bucket`, `x_count`, `x_sum` of a histogram are `x`. */
export function familyOf(name: string, histograms: ReadonlySet<string>): string {
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return base !== name && histograms.has(base) ? base : name;
}

/** Every PromQL expression of a Prometheus rules file (alerting and recording rules). */
export function ruleExpressions(path: string): Array<{ name: string; expr: string }> {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ name: r.alert ?? r.record ?? '?', expr: String(r.expr) })));
}

/** Every PromQL expression of a Grafana dashboard (panel targets and templating queries). */
export function dashboardExpressions(path: string): Array<{ name: string; expr: string }> {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { panels?: Array<{ title?: string; targets?: Array<{ expr?: string }>; panels?: unknown[] }> };
  const out: Array<{ name: string; expr: string }> = [];
  const walk = (panels: Array<{ title?: string; targets?: Array<{ expr?: string }>; panels?: unknown[] }>) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ name: p.title ?? '?', expr: t.expr });
      if (p.panels) walk(p.panels as typeof panels);
    }
  };
  walk(doc.panels ?? []);
  return out;
}

/**
 * A Prometheus text exposition read into families: each name with its declared type (from `# TYPE`)
 * and whether it has at least one sample (histograms count their `_bucket`/`_count`/`_sum`).
 */
export function scrapeFamilies(text: string): Map<string, { type?: string; samples: number }> {
  const families = new Map<string, { type?: string; samples: number }>();
  const histograms = new Set<string>();
  for (const line of text.split('\n')) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) {
      const [, name, type] = typed as unknown as [string, string, string];
      families.set(name, { type, samples: families.get(name)?.samples ?? 0 });
      if (type === 'histogram' || type === 'summary') histograms.add(name);
    }
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0];
    if (!name) continue;
    const family = familyOf(name, histograms);
    const entry = families.get(family) ?? { samples: 0 };
    entry.samples += 1;
    families.set(family, entry);
  }
  return families;
}
