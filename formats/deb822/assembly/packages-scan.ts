/**
 * AssemblyScript source of the Packages index scanner (compiled to
 * formats/deb822/packages-scan-wasm.ts by scripts/build-wasm.mjs; driven by
 * formats/deb822/packages-scan.ts). Not compiled by tsc.
 *
 * One pass over the lines of a range of whole stanzas, 16 bytes at a time
 * where it can: it checks that every line is in the layout dak and
 * apt-ftparchive write (see `scan`), finds the stanza boundaries, and takes
 * each stanza's Package, Version, Architecture and Provides values as
 * offsets. Everything else is left to the JavaScript deb822 parser, which
 * also takes over any range or stanza this scan does not vouch for — so the
 * result is the same as the generic parser's, just without reading most bytes
 * in JavaScript.
 */

const LF: u8 = 10;
const CR: u8 = 13;
const SPACE: u8 = 32;
const TAB: u8 = 9;
const HASH: u8 = 35;
const COLON: u8 = 58;

/**
 * i32 columns per stanza: start, end, name at/end, version at/end,
 * architecture at/end, Provides at/end (-1 without), architecture kind (1:
 * native, 2: all, 0: other), FNV-1a hash of the name, and 1 if the Provides
 * value is in the simple form (see provideHashes). Column 2 is -1 for a
 * stanza the scan does not vouch for.
 */
export const COLUMNS: i32 = 13;

// Results of a scan, written to the `results` block it is given (i32 each, in this order).
let nextPos: usize = 0; // where the next scan starts
let rangeStart: usize = 0; // the range looked at (after leading blank lines) …
let rangeEnd: usize = 0; // … and its end
let unusualAt: usize = 0; // the first line outside the layout (when scan returned -1)
let provideCount: i32 = 0; // provided names written
let completed: bool = false; // whether the range was scanned to its end (false: the column space ran out)

function report(results: usize, value: i32): i32 {
  store<i32>(results, <i32>nextPos);
  store<i32>(results, <i32>rangeStart, 4);
  store<i32>(results, <i32>rangeEnd, 8);
  store<i32>(results, <i32>unusualAt, 12);
  store<i32>(results, provideCount, 16);
  store<i32>(results, completed ? 1 : 0, 20);
  return value;
}

/** Offset of the first byte `b` in [p, end), or end. */
@inline function findByte(p: usize, end: usize, splat: v128, b: u8): usize {
  while (p + 16 <= end) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(p), splat));
    if (m) return p + <usize>ctz(m);
    p += 16;
  }
  while (p < end) {
    if (load<u8>(p) == b) return p;
    p++;
  }
  return end;
}

@inline function blank(c: u32): bool {
  return c == SPACE || c == TAB;
}

/** Non-empty, no white space at either end, ASCII only (the common form of a value). */
function plain(from: usize, to: usize): bool {
  if (to <= from || blank(load<u8>(from)) || blank(load<u8>(to - 1))) return false;
  let high: u8 = 0;
  for (let p = from; p < to; p++) high |= load<u8>(p);
  return high < 0x80;
}

/** FNV-1a (32 bits) of the bytes [from, to): the repository's name hash (formats/deb822/packages-scan.ts has the same for strings). */
function fnv1a(from: usize, to: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let p = from; p < to; p++) h = (h ^ <u32>load<u8>(p)) * 0x01000193;
  return h;
}

@inline function nameByte(c: u32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2b || c == 0x2e || c == 0x2d; // a-z 0-9 + . -
}

@inline function versionByte(c: u32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x2b || c == 0x7e || c == 0x3a || c == 0x2d; // a-z A-Z 0-9 . + ~ : -
}

const PROVIDE_SIMPLE = 0;
const PROVIDE_OTHER = 1;
const PROVIDE_FULL = 2;

/**
 * Writes (stanza, name hash) pairs for the names a Provides value [from, to)
 * provides, if it is in the form dak writes: items "name" or "name (= version)"
 * joined by ", ", names of [a-z0-9][a-z0-9+.-]*, versions of [A-Za-z0-9.+~:-]+
 * (exactly what src/deb/repository.ts simpleProvides accepts). PROVIDE_OTHER
 * for any other form (the JavaScript relation parser reads it), PROVIDE_FULL
 * if the output space ran out.
 */
function provideHashes(from: usize, to: usize, stanza: i32, out: usize, cap: i32): i32 {
  let p = from;
  while (true) {
    if (p >= to) return PROVIDE_OTHER;
    let c = <u32>load<u8>(p);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) return PROVIDE_OTHER;
    let h: u32 = 0x811c9dc5;
    while (p < to) {
      c = <u32>load<u8>(p);
      if (!nameByte(c)) break;
      h = (h ^ c) * 0x01000193;
      p++;
    }
    if (p + 4 <= to && load<u32>(p) == 0x203d2820) {
      // " (= version)"
      p += 4;
      const version = p;
      while (p < to && versionByte(load<u8>(p))) p++;
      if (p == version || p >= to || load<u8>(p) != 0x29) return PROVIDE_OTHER;
      p++;
    }
    if (provideCount == cap) return PROVIDE_FULL;
    store<i32>(out + (<usize>provideCount << 3), stanza);
    store<u32>(out + (<usize>provideCount << 3), h, 4);
    provideCount++;
    if (p == to) return PROVIDE_SIMPLE;
    if (p + 2 > to || load<u16>(p) != 0x202c) return PROVIDE_OTHER; // ", "
    p += 2;
  }
  return PROVIDE_OTHER; // not reached
}

/** Offset of the first CR in [from, to), or to. */
function findCr(from: usize, to: usize): usize {
  const cr = i8x16.splat(CR);
  let p = from;
  while (p + 64 <= to) {
    const a = i8x16.eq(v128.load(p), cr);
    const b = i8x16.eq(v128.load(p, 16), cr);
    const c = i8x16.eq(v128.load(p, 32), cr);
    const d = i8x16.eq(v128.load(p, 48), cr);
    if (v128.any_true(v128.or(v128.or(a, b), v128.or(c, d)))) break;
    p += 64;
  }
  return findByte(p, to, cr, CR);
}

// Field-name prefixes as little-endian words.
const PACKAGE_: u64 = 0x3a6567616b636150; // "Package:"
const VERSION_: u64 = 0x3a6e6f6973726556; // "Version:"
const ARCHITEC: u64 = 0x6365746968637241; // "Architec"
const TURE_: u64 = 0x203a65727574; // "ture: "
const PROVIDES: u64 = 0x73656469766f7250; // "Provides"

/**
 * Scans the whole stanzas in [pos, limit): up to the last blank line, or all
 * of it when `final`. `fresh` is where the bytes not seen by an earlier scan
 * begin (the last blank line is searched for only there). Memory must hold 64
 * readable bytes after `limit`. Columns hold offsets from `base`.
 *
 * The results above go to `results`. Returns the number of stanzas whose columns (see COLUMNS) were written at
 * `cols` (at most `capacity`; and provideHashes' pairs at `provides`, at most
 * `providesCap`), -1 if a line of the range is outside the
 * layout (the caller parses [start(), end()) generically), or -2 if no whole
 * stanza is in range yet.
 *
 * The layout: no CR; every line is a field line ("Name: value", the name not
 * starting with '#' or ':'), a continuation line (space or tab, then not only
 * white space) or a single blank line between stanzas. A stanza is taken from
 * its offsets when it starts with "Package: " and has "Version: " and
 * "Architecture: " lines (the first of each counts) and, if any, a
 * "Provides: " line, each value plain, on one line and ASCII.
 */
export function scan(results: usize, base: usize, pos: usize, limit: usize, fresh: usize, final: bool, cols: usize, capacity: i32, provides: usize, providesCap: i32, arch: usize, archLen: usize): i32 {
  return report(results, scanRange(base, pos, limit, fresh, final, cols, capacity, provides, providesCap, arch, archLen));
}

function scanRange(base: usize, pos: usize, limit: usize, fresh: usize, final: bool, cols: usize, capacity: i32, provides: usize, providesCap: i32, arch: usize, archLen: usize): i32 {
  completed = false;
  provideCount = 0;
  let s = pos;
  while (s < limit && load<u8>(s) == LF) s++;
  let e: usize = 0;
  if (final) {
    e = limit;
    while (e > s && load<u8>(e - 1) == LF) e--;
    nextPos = limit;
  } else {
    // The last blank line: its LF pair ends among the fresh bytes.
    const lowest = max(s + 1, fresh);
    for (let k = limit; k > lowest; ) {
      k--;
      if (load<u8>(k) == LF && load<u8>(k - 1) == LF) {
        e = k - 1;
        break;
      }
    }
    if (e == 0) {
      nextPos = pos;
      return -2;
    }
    nextPos = e + 2;
  }
  rangeStart = s;
  rangeEnd = e;
  if (s >= e) {
    completed = true;
    return 0;
  }
  const cr = findCr(s, e);
  if (cr < e) {
    unusualAt = cr;
    return -1;
  }
  const nlSplat = i8x16.splat(LF);
  const colonSplat = i8x16.splat(COLON);
  let count: i32 = 0;
  let prevBlank = true;
  let stanza = s;
  let ok = true;
  let nameAt: usize = 0;
  let nameEnd: usize = 0;
  let versionAt: usize = 0;
  let versionEnd: usize = 0;
  let archAt: usize = 0;
  let archEnd: usize = 0;
  let providesAt: usize = 0;
  let providesEnd: usize = 0;
  // Whether the previous line's value was taken (a continuation line after it means it is folded).
  let taken = false;
  let line = s;
  while (true) {
    if (line >= e) {
      // The range ends with a newline: an empty last line.
      unusualAt = line;
      return -1;
    }
    const nl = findByte(line, e, nlSplat, LF);
    const c = <u32>load<u8>(line);
    if (c == LF) {
      if (prevBlank) {
        unusualAt = line;
        return -1;
      }
      prevBlank = true;
    } else {
      prevBlank = false;
      if (blank(c)) {
        let p = line + 1;
        while (p < nl && blank(load<u8>(p))) p++;
        if (p == nl) {
          unusualAt = line;
          return -1;
        }
        if (taken) ok = false;
      } else {
        if (c == HASH || c == COLON) {
          unusualAt = line;
          return -1;
        }
        // A colon after the first byte, before the line's end (field names are mostly under 16 bytes).
        const m = i8x16.bitmask(i8x16.eq(v128.load(line + 1), colonSplat));
        const colon: usize = m ? line + 1 + <usize>ctz(m) : findByte(line + 17, nl, colonSplat, COLON);
        if (colon >= nl) {
          unusualAt = line;
          return -1;
        }
        taken = false;
        const w = load<u64>(line);
        if (line == stanza) {
          if (w == PACKAGE_ && load<u8>(line + 8) == SPACE) {
            nameAt = line + 9;
            nameEnd = nl;
            taken = true;
          } else ok = false;
        } else if (w == VERSION_) {
          if (versionAt == 0 && load<u8>(line + 8) == SPACE) {
            versionAt = line + 9;
            versionEnd = nl;
            taken = true;
          }
        } else if (w == ARCHITEC) {
          if (archAt == 0 && (load<u64>(line + 8) & 0xffffffffffff) == TURE_) {
            archAt = line + 14;
            archEnd = nl;
            taken = true;
          }
        } else if (w == PROVIDES && load<u8>(line + 8) == COLON) {
          if (providesAt == 0) {
            if (load<u8>(line + 9) == SPACE) {
              providesAt = line + 10;
              providesEnd = nl;
              taken = true;
            } else ok = false; // an empty value, or one on the next line
          }
        }
      }
    }
    const last = nl >= e;
    if (c == LF || last) {
      // The stanza ends: at the LF before this blank line, or at the range's end.
      const stanzaEnd = c == LF ? line - 1 : e;
      if (count == capacity) {
        nextPos = stanza;
        return count;
      }
      const col = cols + (<usize>count * <usize>COLUMNS) * 4;
      store<i32>(col, <i32>(stanza - base));
      store<i32>(col, <i32>(stanzaEnd - base), 4);
      if (ok && nameAt && versionAt && archAt && plain(nameAt, nameEnd) && plain(versionAt, versionEnd) && plain(archAt, archEnd) && (!providesAt || plain(providesAt, providesEnd))) {
        store<i32>(col, <i32>(nameAt - base), 8);
        store<i32>(col, <i32>(nameEnd - base), 12);
        store<i32>(col, <i32>(versionAt - base), 16);
        store<i32>(col, <i32>(versionEnd - base), 20);
        store<i32>(col, <i32>(archAt - base), 24);
        store<i32>(col, <i32>(archEnd - base), 28);
        store<i32>(col, providesAt ? <i32>(providesAt - base) : -1, 32);
        store<i32>(col, providesAt ? <i32>(providesEnd - base) : -1, 36);
        const archLength = archEnd - archAt;
        let kind: i32 = 0;
        if (archLength == archLen && memory.compare(archAt, arch, archLen) == 0) kind = 1;
        else if (archLength == 3 && load<u16>(archAt) == 0x6c61 && load<u8>(archAt + 2) == 0x6c) kind = 2; // "all"
        store<i32>(col, kind, 40);
        store<u32>(col, fnv1a(nameAt, nameEnd), 44);
        let simple = 0;
        if (providesAt) {
          const before = provideCount;
          const form = provideHashes(providesAt, providesEnd, count, provides, providesCap);
          if (form != PROVIDE_SIMPLE) provideCount = before;
          if (form == PROVIDE_FULL && count > 0) {
            nextPos = stanza;
            return count;
          }
          simple = form == PROVIDE_SIMPLE ? 1 : 0;
        }
        store<i32>(col, simple, 48);
      } else {
        store<i32>(col, -1, 8);
      }
      count++;
      if (last) break;
      stanza = nl + 1;
      ok = true;
      nameAt = 0;
      versionAt = 0;
      archAt = 0;
      providesAt = 0;
      taken = false;
    }
    line = nl + 1;
  }
  completed = true;
  return count;
}
