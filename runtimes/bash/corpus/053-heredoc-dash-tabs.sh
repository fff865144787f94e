if true; then
	cat <<-EOF
		indented with tabs
	one tab
	EOF
fi
cat <<-X
	  tab then spaces stays partially
X
