// A child forked in a window: binds 127.0.0.1:3000, answers one request through it, tries the
// host's loopback server (HOST_PORT), then reports to the parent and waits to be told to exit.
const http = require('node:http')
const net = require('node:net')
const fs = require('node:fs')

const server = http.createServer((req, res) => res.end(`pid ${process.pid}`))
server.once('error', (error) => report({ bound: false, error: error.code }))
server.listen(3000, '127.0.0.1', () => {
  http.get('http://127.0.0.1:3000/', (res) => {
    let body = ''
    res.on('data', (chunk) => (body += chunk))
    res.on('end', () => tryHost(body))
  }).on('error', (error) => report({ bound: true, answered: false, error: error.code }))
})

function tryHost(body) {
  const socket = net.connect(Number(process.env.HOST_PORT), '127.0.0.1')
  socket.once('connect', () => { socket.destroy(); report({ bound: true, answer: body, hostReachable: true }) })
  socket.once('error', (error) => report({ bound: true, answer: body, hostReachable: false, hostError: error.code }))
}

function report(result) {
  process.send({ ...result, net: fs.readlinkSync('/proc/self/ns/net') })
  process.once('message', () => process.exit(0))
}
