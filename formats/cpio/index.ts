export { readCpio, type CpioEntry, type CpioFormat } from './reader.js';
export * from './constants.js';
