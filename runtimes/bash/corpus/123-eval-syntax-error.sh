eval 'echo ok from eval'
eval 'if true; then echo x'
echo "status after bad eval: $?"
eval 'echo "unterminated'
echo "still here"
