cat > app.log <<'EOF'
INFO start
WARN disk low
ERROR failed to connect
INFO retry
ERROR failed to connect
INFO done
error lowercase
EOF
grep ERROR app.log | wc -l
grep -c ERROR app.log
grep -ci error app.log
grep -v INFO app.log
grep -n WARN app.log
grep -q FATAL app.log || echo "no FATAL"
