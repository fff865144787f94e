set -e
f() { false; echo "f continued (errexit ignored in || context)"; }
f || echo "f failed"
g() { false; echo "not printed"; }
g
echo "not reached either"
