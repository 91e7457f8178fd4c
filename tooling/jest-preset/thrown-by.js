// The property tests of bad input ask, for many generated arguments, which
// error class a call throws (or that it throws nothing): thrownBy(fn) is
// the class name, or 'nothing'.
function thrownBy(fn) {
  try {
    fn();
  } catch (e) {
    return e && e.constructor ? e.constructor.name : typeof e;
  }
  return 'nothing';
}

module.exports = { thrownBy };
