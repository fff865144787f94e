printf '3\n1\n2\n3\n1\n3\n' | sort -n | uniq -c | python3 -c '
import sys
for line in sys.stdin:
    n, v = line.split()
    print(v, "*" * int(n))
'
