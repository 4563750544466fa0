export { readDeb, type DebArchive, type DebControl, type DebReaderOptions } from './reader.js';
export { parseControlFields, controlField, type ControlField } from './control.js';
