"""The sharing room: data-sharing providers (数据共享) behind one interface (the sandbox registry lives in ``lianban-sandbox``)."""
