echo "via /dev/stdout" > /dev/stdout
echo "via /dev/stderr" > /dev/stderr
{ echo x > /dev/stderr; } 2>/dev/null
echo "captured: $( { echo y > /dev/stderr; } 2>&1 )"
