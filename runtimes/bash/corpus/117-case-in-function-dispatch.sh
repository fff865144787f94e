dispatch() {
  case "$1" in
    start|run) echo "starting $2" ;;
    stop) echo "stopping" ;;
    status) return 3 ;;
    *) echo "usage: dispatch start|stop|status" >&2; return 64 ;;
  esac
}
dispatch start web
dispatch stop
dispatch status; echo "status -> $?"
dispatch bogus 2>&1; echo "bogus -> $?"
