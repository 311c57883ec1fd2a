import { metadataContract } from '../contracts/metadata.contract.js';
import type { MetadataHarness } from '../contracts/metadata.contract.js';
import { MemoryMetadata } from './memory-metadata.js';

/** The in-memory fake keeps nothing across instances: only the non-persistent cases apply. */
function memoryHarness(store = new MemoryMetadata()): MetadataHarness {
  return {
    store,
    reopen: async () => memoryHarness(store),
    crashAndReopen: async () => memoryHarness(new MemoryMetadata()),
    close: async () => undefined,
  };
}

metadataContract('memory metadata', async () => memoryHarness(), { persistent: false });
