/**
 * The closure without Recommends against apt-get's simulated install on the
 * real bookworm main + updates + security indexes.
 */
import { describe, expect, it } from 'vitest';
import { resolveClosure } from '../../../src/deb/closure.js';
import { aptSimulateInstall, mapLimit } from '../../helpers/apt.js';
import { bookworm, COMMON_DEBIAN_PACKAGES } from '../../helpers/bookworm.js';
import { pick, seededRandom } from '../../helpers/random.js';

interface Verdict {
  set: string[];
  agree: boolean;
  detail?: unknown;
}

async function compareWithApt(set: string[]): Promise<Verdict> {
  const repo = await bookworm();
  const apt = await aptSimulateInstall(set);
  let ours: { ok: boolean; installs: string[]; problems: string[] };
  try {
    const c = resolveClosure(repo, set);
    ours = { ok: c.problems.length === 0, installs: c.packages.map((p) => p.name).sort(), problems: c.problems.map((p) => p.message) };
  } catch (err) {
    ours = { ok: false, installs: [], problems: [(err as Error).message] };
  }
  if (apt.ok !== ours.ok) return { set, agree: false, detail: { apt, ours } };
  if (!apt.ok) return { set, agree: true };
  const agree = apt.installs.join(' ') === ours.installs.join(' ');
  return agree
    ? { set, agree }
    : {
        set,
        agree,
        detail: { onlyOurs: ours.installs.filter((n) => !apt.installs.includes(n)), onlyApt: apt.installs.filter((n) => !ours.installs.includes(n)) },
      };
}

describe('closure equals apt-get -s install (no Recommends, empty status)', () => {
  it("nixpkgs' common Debian package set", async () => {
    const v = await compareWithApt(COMMON_DEBIAN_PACKAGES);
    expect(v).toEqual({ set: COMMON_DEBIAN_PACKAGES, agree: true });
  });

  it('a virtual name that several PHP 8.2 SAPIs provide (php8.2-json): the provider apt takes by package ID', async () => {
    // All optional and not Essential: apt's last tie-break, the name first mentioned last (php8.2-phpdbg).
    const v = await compareWithApt(['php-json']);
    expect(v).toEqual({ set: ['php-json'], agree: true });
    const repo = await bookworm();
    expect(resolveClosure(repo, ['php-json']).packages.map((p) => p.name)).toContain('php8.2-phpdbg');
  });

  it('at least 95% of 100 random sets of 1–5 packages', async () => {
    const repo = await bookworm();
    const names = repo.packages().map((p) => p.name);
    const rand = seededRandom(4242);
    const sets = Array.from({ length: 100 }, () => [...new Set(Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(rand, names)))]);
    const verdicts = await mapLimit(sets, 2, compareWithApt);
    const disagreements = verdicts.filter((v) => !v.agree);
    // Print what differs, so that a change in agreement is easy to study.
    if (disagreements.length) console.log(JSON.stringify(disagreements, null, 1));
    expect(verdicts.length).toBe(100);
    expect(disagreements.length).toBeLessThanOrEqual(5);
  }, 900_000);
});
