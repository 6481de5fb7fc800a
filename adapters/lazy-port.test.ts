import { describe, expect, test } from 'vitest';
import { portLoadedOnFirstCall } from './lazy-port.ts';

interface Counter {
  add(n: number): Promise<number>;
  total(): Promise<number>;
}

class MemoryCounter implements Counter {
  private sum = 0;
  async add(n: number) {
    return (this.sum += n);
  }
  async total() {
    return this.sum;
  }
}

describe('portLoadedOnFirstCall', () => {
  test('loads nothing until the first call, then one adapter for every method and call', async () => {
    let loads = 0;
    const port = portLoadedOnFirstCall<Counter>(async () => (loads++, new MemoryCounter()));
    expect(loads).toBe(0);
    await Promise.all([port.add(2), port.add(3)]);
    expect(await port.total()).toBe(5);
    expect(loads).toBe(1);
  });

  test('a failed load rejects that call and the next call loads again', async () => {
    let loads = 0;
    const port = portLoadedOnFirstCall<Counter>(async () => {
      loads++;
      if (loads === 1) throw new Error('credentials not yet available');
      return new MemoryCounter();
    });
    await expect(port.add(1)).rejects.toThrow('credentials not yet available');
    expect(await port.add(4)).toBe(4);
    expect(loads).toBe(2);
  });

  test('is not a thenable: awaiting the port gives the port without loading it', async () => {
    let loads = 0;
    const port = portLoadedOnFirstCall<Counter>(async () => (loads++, new MemoryCounter()));
    expect(await port).toBe(port);
    expect(loads).toBe(0);
  });

  test('an adapter error from a method reaches the caller as it is', async () => {
    const failure = new Error('ConditionalCheckFailed');
    const port = portLoadedOnFirstCall<Counter>(async () => ({ add: async () => Promise.reject(failure), total: async () => 0 }));
    await expect(port.add(1)).rejects.toBe(failure);
  });

  test('a method assigned on the port wraps the loaded one, as on the adapter itself', async () => {
    const port = portLoadedOnFirstCall<Counter>(async () => new MemoryCounter());
    const add = port.add.bind(port);
    let calls = 0;
    port.add = async (n) => (calls++, add(n * 10));
    expect(await port.add(1)).toBe(10);
    expect(await port.total()).toBe(10);
    expect(calls).toBe(1);
  });
});
