// Preloaded (`node --require`) into workers that are PID 1 of a fresh PID namespace. The kernel
// delivers a signal to a namespace's init only if it has a handler for it, even from the parent
// (pid_namespaces(7)); Node installs none for SIGTERM, so a worker would ignore tinypool's SIGTERM
// and live until SIGKILL. These handlers make it stop at once, unless the worker's own code
// listens for the signal; when it exits, the kernel kills whatever it left in the namespace.
const EXIT_CODES: Record<string, number> = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 }

for (const [signal, code] of Object.entries(EXIT_CODES)) {
  const stop = (): void => {
    if (process.listenerCount(signal) > 1) return
    process.exit(code)
  }
  process.on(signal as NodeJS.Signals, stop)
}
