mkdir src; echo hi > src/f; echo there > src/g
tar cf - src | tar tf - | sort
tar czf - src | tar xzf - -O src/g
