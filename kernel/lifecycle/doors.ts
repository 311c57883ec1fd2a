import { assert } from '../errors.js';
import type { Door, DoorRegistry } from '../messaging/door.js';

/** The kernel's DoorRegistry: door plugins add themselves so the kernel can list and stop them first. */
export function createDoorRegistry(): DoorRegistry {
  const doors: Door[] = [];
  return {
    add(door: Door): void {
      assert(!doors.some((d) => d.name === door.name), `door ${door.name} registered twice`);
      doors.push(door);
    },
    list: () => [...doors],
  };
}
