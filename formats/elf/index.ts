/** ELF reader: headers, sections, kernel-module .modinfo, dynamic linking information. */
export * from './header.js';
export * from './input.js';
export * from './modinfo.js';
export * from './dynamic.js';
