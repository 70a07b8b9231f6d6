import { interfaceUp } from '../libc/syscalls.js'

/** A fresh network namespace has only lo, and it is down: nothing could bind 127.0.0.1. */
export function bringUp(name: string): void {
  interfaceUp(name)
}
