env -i FOO=bar env
echo "HOME entries without HOME: $(env -u HOME env | grep -c "^HOME=")"
X=1 env | grep -c '^X=1$'
env true && echo "env ran true"
env false || echo "env ran false: $?"
