export A=1
B=2
C=3 env | grep -E '^(A|B|C)=' | sort
echo "C in parent: ${C-unset}"
export B
env | grep -E '^(A|B)=' | sort
unset A
env | grep -E '^(A|B)=' | sort
A=temp; echo "plain A not exported: $(env | grep -c '^A=')"
