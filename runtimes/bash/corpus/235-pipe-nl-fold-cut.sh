printf 'alpha beta gamma delta epsilon zeta eta theta\n' | fold -w 12 -s | nl -w2 -s': ' | cut -c1-14
