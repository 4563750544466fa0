/** What a closure input or a registration says about one store path. */
export interface StorePathInfo {
  /** The full store path, e.g. /nix/store/<hash>-<name>. */
  path: string;
  /** The deriver's store path; '' when unknown (exportReferencesGraph never says). */
  deriver: string;
  /** Full store paths this one references (may include itself), in the order the input gave. */
  references: string[];
  /** 'sha256:<nix base-32>' of the path's NAR, when known. */
  narHash?: string;
  narSize?: bigint;
  /** Where the block describing this path starts, for errors about it. */
  origin?: { file: string; line: number };
}
