module.exports = { preset: '@iocp/jest-preset', displayName: '@iocp/subprocess' };
