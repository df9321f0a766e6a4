"""The sharing room: data-sharing providers (数据共享) behind one interface, and the sandbox registry."""
