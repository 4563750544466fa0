/**
 * The crafted cases of closure-policy.test.ts: one or more per rule of
 * src/deb/policy.ts (docs/deb.md, "Policy"), then each deliberate difference
 * from apt with apt's own answer.
 */
export const stanza = (name: string, extra = '', version = '1.0', arch = 'amd64') =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nPriority: optional\n${extra}`.trim();

/** apt's answer where it differs: what it installs (sorted names, and versions where given), or its error. */
export type AptAnswer = string[] | { fails: RegExp };

export interface Case {
  title: string;
  /** One index's stanzas, or `indexes`: several, read in order (apt: one suite each, in sources.list order). */
  index?: string[];
  indexes?: string[][];
  /** Release file text per index (apt only: distrokit reads Packages indexes). */
  releases?: (string | undefined)[];
  install: string[];
  recommends?: boolean;
  /** Expected closure (sorted names), or the expected problem codes. */
  expect: string[] | { problems: string[] };
  /** Versions expected for some packages of the closure. */
  expectVersions?: Record<string, string>;
  /** apt must agree (default), or differ as documented: the reason and apt's own answer. */
  apt?: 'agrees' | { differs: string; apt: AptAnswer; aptVersions?: Record<string, string> };
}

export const CASES: Case[] = [
  {
    title: 'takes the first alternative that can be satisfied',
    index: [stanza('app', 'Depends: zzz | aaa'), stanza('zzz'), stanza('aaa')],
    install: ['app'],
    expect: ['app', 'zzz'],
  },
  {
    title: 'skips an alternative whose candidate version is out of range',
    index: [stanza('app', 'Depends: lib (>= 3) | libalt'), stanza('lib', '', '2.0'), stanza('libalt')],
    install: ['app'],
    expect: ['app', 'libalt'],
  },
  {
    title: 'prefers the provider with the higher Priority',
    index: [stanza('app', 'Depends: virt'), stanza('p1', 'Provides: virt'), stanza('p2', 'Provides: virt').replace('optional', 'important')],
    install: ['app'],
    expect: ['app', 'p2'],
  },
  {
    title: 'prefers an Essential provider',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pz', 'Provides: virt\nEssential: yes')],
    install: ['app'],
    expect: ['app', 'pz'],
  },
  {
    title: 'prefers the real package of that name over a provider',
    index: [stanza('app', 'Depends: foo'), stanza('foo'), stanza('bar', 'Provides: foo').replace('optional', 'required')],
    install: ['app'],
    expect: ['app', 'foo'],
  },
  {
    title: 'an already chosen provider satisfies a later dependency',
    index: [stanza('app', 'Depends: p2, virt'), stanza('p1', 'Provides: virt').replace('optional', 'required'), stanza('p2', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'p2'],
  },
  {
    title: 'an unversioned Provides never satisfies a versioned dependency (Policy §7.5)',
    index: [stanza('app', 'Depends: virt (>= 1)'), stanza('p1', 'Provides: virt')],
    install: ['app'],
    expect: { problems: ['DEB_UNSATISFIABLE'] },
  },
  {
    title: 'a versioned Provides in range satisfies a versioned dependency',
    index: [stanza('app', 'Depends: virt (>= 1.5)'), stanza('p1', 'Provides: virt (= 1.0)'), stanza('p2', 'Provides: virt (= 2.0)')],
    install: ['app'],
    expect: ['app', 'p2'],
  },
  {
    title: 'the highest version of a name wins, whatever the order of the stanzas',
    index: [stanza('app', 'Depends: lib (>= 2)'), stanza('lib', '', '2.0'), stanza('lib', '', '1.0'), stanza('lib', '', '1:0.5')],
    install: ['app'],
    expect: ['app', 'lib'],
  },
  {
    title: 'packages of a foreign architecture are ignored; Architecture: all counts as native',
    index: [stanza('app', 'Depends: a, b'), stanza('a', '', '1.0', 'i386'), stanza('a', '', '0.9', 'amd64'), stanza('b', '', '1.0', 'all')],
    install: ['app'],
    expect: ['a', 'app', 'b'],
  },
  {
    title: "':any' is met by a Multi-Arch: allowed package",
    index: [stanza('app', 'Depends: python3:any'), stanza('python3', 'Multi-Arch: allowed')],
    install: ['app'],
    expect: ['app', 'python3'],
  },
  {
    title: 'a Conflicts with a chosen package makes the next alternative win',
    index: [stanza('app', 'Depends: a, b | c'), stanza('a'), stanza('b', 'Conflicts: a'), stanza('c')],
    install: ['app'],
    expect: ['a', 'app', 'c'],
  },
  {
    title: 'a Breaks declared by the chosen package counts too',
    index: [stanza('app', 'Depends: a, b | c'), stanza('a', 'Breaks: b'), stanza('b'), stanza('c')],
    install: ['app'],
    expect: ['a', 'app', 'c'],
  },
  {
    title: 'a dependency nothing satisfies is reported',
    index: [stanza('app', 'Depends: lib'), stanza('lib', 'Depends: missing (>= 2)')],
    install: ['app'],
    expect: { problems: ['DEB_UNSATISFIABLE'] },
  },
  {
    title: 'a conflict no alternative avoids is reported',
    index: [stanza('app', 'Depends: a, b'), stanza('a'), stanza('b', 'Conflicts: a')],
    install: ['app'],
    expect: { problems: ['DEB_CONFLICT'] },
  },
  {
    title: 'a dependency cycle is fine',
    index: [stanza('a', 'Depends: b'), stanza('b', 'Depends: a')],
    install: ['a'],
    expect: ['a', 'b'],
  },

  // apt's provider order (policy.compareProviders), each rule against the one after it.
  {
    title: 'equal providers: the name first mentioned last wins (apt package ID), not the first name',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'equal providers in the other order: again the one first mentioned last',
    index: [stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt'), stanza('pa', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'a mention in Suggests of an earlier stanza gives the lower package ID',
    index: [stanza('app', 'Depends: virt\nSuggests: pb'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'a Depends target mentioned by an earlier stanza gives the lower package ID',
    index: [stanza('lib', 'Depends: pz'), stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pz', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: "a target qualified ':any' is another package in apt's cache: no native package ID",
    index: [stanza('lib', 'Depends: pb:any'), stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt\nMulti-Arch: allowed')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'a target qualified with the native architecture gives the native package ID',
    index: [stanza('lib', 'Depends: pb:amd64'), stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'a stanza of a foreign architecture gives no native package ID',
    index: [stanza('lib', 'Depends: pb', '1.0', 'i386'), stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'a mention in a folded field counts',
    index: [stanza('lib', 'Depends: libc6,\n pa'), stanza('libc6'), stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt'), stanza('pa', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'a mention in a stanza the scan leaves to the generic parser (a folded Provides) counts',
    index: [stanza('lib', 'Depends: pa\nProvides: foo,\n bar'), stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt'), stanza('pa', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'within one stanza, Provides comes after the relation fields whatever the text order',
    index: [stanza('app', 'Depends: virt'), stanza('lib', 'Provides: pa\nSuggests: pb'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'a provider without a Priority field ranks before Priority: required',
    index: [
      stanza('app', 'Depends: virt'),
      stanza('pa', 'Provides: virt').replace('optional', 'required'),
      stanza('pb', 'Provides: virt').replace('Priority: optional\n', ''),
      stanza('pc', 'Provides: virt').replace('optional', 'required'),
    ],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'an unknown Priority ranks as extra (the later package ID decides)',
    index: [stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt').replace('optional', 'bogus'), stanza('pa', 'Provides: virt').replace('optional', 'extra')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'an unknown Priority ranks as extra, not after it',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt').replace('optional', 'extra'), stanza('pb', 'Provides: virt').replace('optional', 'bogus')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'Priority is matched without regard to case',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt').replace('optional', 'Important'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'Important: yes ranks before a higher Priority',
    index: [stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt\nImportant: yes'), stanza('pa', 'Provides: virt').replace('optional', 'required')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'Protected: yes counts as Important',
    index: [stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt\nProtected: yes'), stanza('pa', 'Provides: virt').replace('optional', 'required')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'Essential: yes ranks before Important: yes',
    index: [stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt\nEssential: yes'), stanza('pa', 'Provides: virt\nImportant: yes')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: "the providers' versions play no part",
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt', '9.0'), stanza('pb', 'Provides: virt', '0.1')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'Architecture: all is the native architecture in the provider order (all later wins)',
    index: [stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt'), stanza('pa', 'Provides: virt', '1.0', 'all')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'Architecture: all is the native architecture in the provider order (native later wins)',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt', '1.0', 'all'), stanza('pb', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'a provider first seen in a later index has the higher package ID',
    indexes: [[stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt')], [stanza('pb', 'Provides: virt')]],
    install: ['app'],
    expect: ['app', 'pb'],
  },
  {
    title: 'a newer version in a later index keeps the package ID of its first mention',
    indexes: [[stanza('app', 'Depends: virt'), stanza('pb', 'Provides: virt'), stanza('pa', 'Provides: virt')], [stanza('pb', 'Provides: virt', '2.0')]],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: "an or-group tries the first alternative's providers before the next alternative",
    index: [stanza('app', 'Depends: virt | real'), stanza('real').replace('optional', 'required'), stanza('pa', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'a provider whose dependency no candidate meets is passed over',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt\nDepends: missing')],
    install: ['app'],
    expect: ['app', 'pa'],
  },
  {
    title: 'an alternative whose dependency no candidate meets is passed over',
    index: [stanza('app', 'Depends: a | b'), stanza('a', 'Depends: missing (>= 2)'), stanza('b')],
    install: ['app'],
    expect: ['app', 'b'],
  },
  {
    title: 'an unmet Recommends is left out (with Recommends followed)',
    index: [stanza('app', 'Depends: lib\nRecommends: missing, extra'), stanza('lib'), stanza('extra')],
    install: ['app'],
    recommends: true,
    expect: ['app', 'extra', 'lib'],
  },
  {
    title: 'a requested virtual name with one provider is that provider',
    index: [stanza('pa', 'Provides: virt'), stanza('other')],
    install: ['virt'],
    expect: ['pa'],
  },

  // Deliberate differences from apt (docs/deb.md, "Policy"): apt must still answer otherwise.
  {
    title: 'a requested virtual name with several providers takes the first in provider order',
    index: [stanza('pa', 'Provides: virt'), stanza('pb', 'Provides: virt')],
    install: ['virt'],
    expect: ['pb'],
    apt: { differs: 'apt asks the user to choose a provider', apt: { fails: /'virt' has no installation candidate/ } },
  },
  {
    title: 'an earlier choice is kept and a later conflict with it reported',
    index: [stanza('app', 'Depends: b | c, a'), stanza('a', 'Conflicts: b'), stanza('b'), stanza('c')],
    install: ['app'],
    expect: { problems: ['DEB_CONFLICT'] },
    apt: { differs: "apt un-marks b for a's Conflicts and its problem resolver then takes c", apt: ['a', 'app', 'c'] },
  },
  {
    title: 'an alternative that fails two levels down is reported, not abandoned',
    index: [stanza('app', 'Depends: a | b'), stanza('a', 'Depends: c'), stanza('b'), stanza('c', 'Depends: missing')],
    install: ['app'],
    expect: { problems: ['DEB_UNSATISFIABLE'] },
    apt: { differs: 'apt backtracks from a when c cannot be installed and takes b', apt: ['app', 'b'] },
  },
  {
    title: "pins and a Release file's NotAutomatic are not read: the highest version wins",
    indexes: [[stanza('app', '', '1.0')], [stanza('app', '', '2.0')]],
    releases: [undefined, 'NotAutomatic: yes\n'],
    install: ['app'],
    expect: ['app'],
    expectVersions: { app: '2.0' },
    apt: { differs: 'apt gives a NotAutomatic suite priority 1 and installs 1.0', apt: ['app'], aptVersions: { app: '1.0' } },
  },
];
