/** An entry of an intrusive doubly linked queue: `older` towards the tail, `newer` towards the head. */
export interface QueueNode {
  key: string;
  size: number;
  older: QueueNode | undefined;
  newer: QueueNode | undefined;
  /** Policy-specific: CLOCK's reference bit, SIEVE's visited bit, S3-FIFO's frequency. */
  mark: number;
}

/** Insertion-ordered queue with O(1) push, pop and unlink, the building block of the FIFO family. */
export class Queue {
  oldest: QueueNode | undefined;
  newest: QueueNode | undefined;
  used = 0;
  length = 0;

  push(key: string, size: number, mark = 0): QueueNode {
    const node: QueueNode = { key, size, mark, older: this.newest, newer: undefined };
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
    this.used += size;
    this.length++;
    return node;
  }

  unlink(node: QueueNode): void {
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = node.newer = undefined;
    this.used -= node.size;
    this.length--;
  }
}
