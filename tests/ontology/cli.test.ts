import { describe, expect, it } from 'vitest';
import { ontologyCommand } from '../../pipeline/cli/ontology-cli.ts';
import { articlePath } from './helpers.ts';

async function run(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await ontologyCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mmrare ontology CLI', () => {
  it('prints help with an example for every command', async () => {
    for (const cmd of ['import', 'lookup', 'info', 'diagnose']) {
      const r = await run(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Example/);
    }
    expect((await run('--help')).out).toMatch(/lookup/);
    expect((await run('bogus')).code).toBe(2);
  });

  it('lookup prints codes, matched forms, methods and context status', async () => {
    const r = await run('lookup', "No evidence of haemophilia A; Wilson's disease was diagnosed.");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ORPHA:98878\tHemophilia A.*form="Hemophilia A"\texact\tscore=1\tnegated/);
    expect(r.out).toMatch(/ORPHA:905\tWilson disease.*affirmed/);
    const fuzzy = await run('lookup', 'lateral sinovenous thrombosis');
    expect(fuzzy.out).toMatch(/fuzzy.*review candidate/);
    const json = JSON.parse((await run('lookup', '--json', 'Polyarteritis nodosa')).out);
    expect(json.mentions[0]).toMatchObject({ orphaCode: '767', method: 'exact' });
  });

  it('info prints an entry and its answer rule', async () => {
    const r = await run('info', 'ORPHA:171876');
    expect(r.out).toMatch(/Generalized pseudohypoaldosteronism type 1/);
    expect(r.out).toMatch(/answer\s+ORPHA:756 Pseudohypoaldosteronism type 1 \(subtype_mapped_to_parent\)/);
    expect((await run('info', 'ORPHA:1')).code).toBe(3); // an input error (docs/cli.md): the code is not in the release
    expect((await run('info', 'nope')).code).toBe(2);
  });

  it('diagnose --json prints each case for one JATS file', async () => {
    const r = await run('diagnose', articlePath('PMC4739447'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.pmcid).toBe('PMC4739447');
    expect(j.cases[0]).toMatchObject({ case: 1, orpha_code: '767', orpha_name: 'Polyarteritis nodosa' });
    expect(j.cases[0].evidence.length).toBeGreaterThan(0);
    expect(Array.isArray(j.cases[0].runners_up)).toBe(true);
    const none = JSON.parse((await run('diagnose', articlePath('PMC4735920'), '--json')).out);
    expect(none.cases[0].orpha_code).toBeNull();
  });
});
