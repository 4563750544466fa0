/**
 * The part of the WebAssembly JS API that formats/compress/liblzma.ts and
 * formats/deb822/packages-scan.ts use. The
 * project compiles without the DOM lib, and @types/node 20 does not declare it.
 */
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
