package io.planline.plan.arena;

/**
 * A binary min-heap of buffer ids ordered by {@code key[id]}, then {@code rank[id]}. The caller
 * owns both arrays and may change a key only while that id is outside the heap.
 */
final class IdHeap {

  private final int[] heap;
  private final long[] key;
  private final int[] rank;
  private int size;

  IdHeap(int capacity, long[] key, int[] rank) {
    this.heap = new int[Math.max(1, capacity)];
    this.key = key;
    this.rank = rank;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The smallest id without removing it. */
  int peek() {
    return heap[0];
  }

  void push(int id) {
    int i = size++;
    heap[i] = id;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!less(heap[i], heap[parent])) {
        break;
      }
      swap(i, parent);
      i = parent;
    }
  }

  int pop() {
    int top = heap[0];
    heap[0] = heap[--size];
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        break;
      }
      int c = (l + 1 < size && less(heap[l + 1], heap[l])) ? l + 1 : l;
      if (!less(heap[c], heap[i])) {
        break;
      }
      swap(i, c);
      i = c;
    }
    return top;
  }

  private boolean less(int a, int b) {
    return key[a] != key[b] ? key[a] < key[b] : rank[a] < rank[b];
  }

  private void swap(int i, int j) {
    int t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
  }
}
