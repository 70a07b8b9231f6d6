// Section 5's variants, shared by the host side (lib/renewal.js) and the child side
// (entry/renewal.js): one pool each, one reused worker (isolateWorkers: false), and which variant
// each is compared with, pair by pair in the same round.
export const VARIANTS = [
  { name: 'plain', label: 'reused worker, no renewal, no check', renew: false, checked: false, leave: false },
  { name: 'checked', label: 'leftovers checked after each task', renew: false, checked: true, leave: false },
  { name: 'renewed', label: 'renewed before each task (/tmp left untouched)', renew: true, checked: false, leave: false },
  { name: 'plainLeft', label: 'no renewal, the task leaves a file in /tmp', renew: false, checked: false, leave: true },
  { name: 'renewedLeft', label: 'renewed before each task, which leaves a file in /tmp', renew: true, checked: false, leave: true },
]

/**
 * What each cost is: the paired difference between a variant and its baseline, per task, and the
 * C floor spec it is set against (the C program's renewal of the same kind), where there is one.
 */
export const COSTS = [
  { name: 'renewal', label: 'renewal, /tmp left untouched (tmpfs kept)', with: 'renewed', without: 'plain', c: 'untouched' },
  { name: 'renewalLeft', label: 'renewal after a task that left a file in /tmp (fresh tmpfs)', with: 'renewedLeft', without: 'plainLeft', c: 'left' },
  { name: 'leftoversCheck', label: 'leftovers check (per task, in each worker)', with: 'checked', without: 'plain', c: null },
]
