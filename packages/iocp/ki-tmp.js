const iocp = require('Z:\\work\\wt\\meta\\packages\\iocp\\dist');
const sigint = () => (process.platform === 'win32' ? process.emit('SIGINT', 'SIGINT') : process.kill(process.pid, 'SIGINT'));
iocp.run(async () => {
  iocp.getRunningLoop().callLater(10, sigint);
  try {
    await iocp.sleep(60000);
  } finally {
    console.log('finally ran', iocp.getRunningLoop() !== null);
  }
}).catch((e) => console.log(e.stack));
