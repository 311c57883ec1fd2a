export * from './codes.js';
export * from './command.js';
export * from './codec.js';
