import { createMemoryStore } from '../helpers/memory-store.js';
import type { MessageStore } from '../../kernel/messaging/store.js';
import { messageStoreContract } from './message-store.contract.js';

messageStoreContract('memory store', async () => {
  let current = createMemoryStore();
  return {
    store: current,
    async reopen(): Promise<MessageStore> {
      current = current.reopen();
      return current;
    },
    async close() {
      current.close();
    },
  };
});
