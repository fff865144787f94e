seq 1 10 | paste -sd+ | python3 -c 'import sys; e = sys.stdin.read().strip(); print(e, "=", eval(e))'
seq 5 | python3 -c 'import sys; print(sum(int(l) for l in sys.stdin) ** 2)'
python3 -c 'print(",".join(str(i * i) for i in range(1, 6)))' | tr , '\n' | sort -n | tail -n 1
