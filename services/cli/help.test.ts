import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands';
import { renderCommandHelp, renderOverview } from './help';

describe('jml help', () => {
  it('the overview > lists every command of the table, the global options and every exit code', () => {
    const text = renderOverview(COMMANDS);
    for (const c of COMMANDS) expect(text).toMatch(new RegExp(`^  ${c.name}\\b.*${reEscape(c.summary)}$`, 'm'));
    for (const option of ['--json', '--verbose', '-h, --help']) expect(text).toContain(option);
    for (const code of [0, 1, 2, 3, 4]) expect(text).toMatch(new RegExp(`^  ${code}  \\S`, 'm'));
  });

  it("a command's help > usage, arguments, its options and the global ones, examples and its exit codes", () => {
    const approve = COMMANDS.find((c) => c.name === 'approve');
    if (!approve) throw new Error('approve is not in the table');
    const text = renderCommandHelp(approve);
    expect(text).toContain('Usage: jml approve [<workflowId>...] [options] [--json]');
    expect(text).toMatch(/^ {2}<workflowId>\.\.\. +event workflow ids/m);
    expect(text).toMatch(/^ {2}--reason <text> +recorded with the decision/m);
    expect(text).toMatch(/^ {2}--json +machine-readable output/m);
    expect(text).toContain('  jml approve --all --reason "planned reorganisation"');
    expect(text).toMatch(/^ {2}3 {2}no named workflow exists$/m);
    expect(text).toMatch(/^ {2}4 {2}not every event was approved: /m);
  });

  it('every command > has a summary, an example, and help that shows only the exit codes it can return', () => {
    for (const c of COMMANDS) {
      expect(c.summary.length, c.name).toBeGreaterThan(10);
      expect(c.examples.length, c.name).toBeGreaterThan(0);
      for (const e of c.examples) expect(`jml ${e}`).toContain(`jml ${c.name}`);
      const codes = [...renderCommandHelp(c).split('Exit codes:\n')[1]!.matchAll(/^ {2}(\d) /gm)].map((m) => Number(m[1]));
      expect(codes, c.name).toEqual([0, 1, 2, ...Object.keys(c.exits ?? {}).map(Number).filter((n) => n > 2)]);
    }
  });
});

function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
