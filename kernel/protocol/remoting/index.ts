export * from './codes.js';
export * from './command.js';
export * from './codec.js';
export * from './transport.js';
export * from './server.js';
export * from './client.js';
